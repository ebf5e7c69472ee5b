"""Recovery as a reviewed plan: ``restore --plan`` builds the ordered Twilio requests that bring
the account back to the baseline's routes, ``restore --apply`` writes exactly that plan.

Modules: ``plan`` (steps and notes, as JSON), ``mapping`` (baseline SID -> the SID that fills
its role now), ``reasons`` (the finding each step resolves), ``builders`` (one module of step
builders per resource kind), ``planner`` (the order), ``wire`` (the exact request, through the
SDK), ``journal`` and ``apply`` (guarded writes), ``render`` (what a person reads).
"""
