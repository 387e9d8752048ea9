; seed_verbatim_ping.scm -- the seed's PingTriggerLink examples exactly as the seed writes them
; (seed_ping.atomese), typos included.
;
; Run with:  atomtrig run scheme_examples/seed_verbatim_ping.scm

(use-modules (opencog))

(load-indented "seed_ping.atomese")

(display "-- pinging \"Red Button\" (no authority)\n")
(cog-ping! (Concept "Red Button"))
(display "-- pinging \"Red Buttont\", the seed's typo\n")
(cog-ping! (Concept "Red Buttont"))
(display "-- executing the SchemaNode \"Red Button\" (the EquivalenceLink <1>)\n")
(cog-execute! (ExecutionOutputLink (SchemaNode "Red Button") (ListLink)))
