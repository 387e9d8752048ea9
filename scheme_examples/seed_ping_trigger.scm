; seed_ping_trigger.scm -- the seed's PingTriggerLink example in s-expression form.
;
; Run with:  atomtrig run scheme_examples/seed_ping_trigger.scm
;
; Pinging "Red Button" changes nothing about it; it runs what its PingTriggerLinks point to.
; The file schemas (*.py next to this script) print what they do. The same button can also be
; pressed the seed's other way: an ExecutionOutputLink on the ungrounded SchemaNode
; "Red Button" runs every GroundedSchemaNode an EquivalenceLink ties to it.

(use-modules (opencog))

(define button (ConceptNode "Red Button"))

(PingTriggerLink button
  (IfElseLink
    (ExecutionOutputLink (GroundedPredicateNode "Presidential_Authority_Received.py"))
    (SequentialAndLink
      (ExecutionOutputLink (GroundedSchemaNode "activate_ICBMs.py"))
      (ExecutionOutputLink (GroundedSchemaNode "activate_warheads.py"))
      (ExecutionOutputLink (GroundedSchemaNode "launch_ICBMs.py")))
    (SequentialAndLink
      (ExecutionOutputLink (GroundedSchemaNode "notify_president_of_unauthorized_use.py"))
      (ExecutionOutputLink (GroundedSchemaNode "press_release_generator.py")))))

(display "-- ping without authority\n")
(cog-ping! button)
(Evaluation (Predicate "authorised") (Concept "president"))
(display "-- ping with authority\n")
(cog-ping! button)
(format #t "the button's truth value is unchanged: ~a~%" (cog-tv button))

(display "-- the EquivalenceLink convention\n")
(EquivalenceLink (stv 1 1) (SchemaNode "Red Button") (GroundedSchemaNode "destroyworld.py"))
(cog-execute! (ExecutionOutputLink (SchemaNode "Red Button") (ListLink)))
