"""The blame grammar: finds blame aimed at people in a post-mortem's sentences.

``grammar.analyse`` reads one sentence. It builds on, from the bottom: ``lexicon`` (word lists),
``words`` (tokens, stems, clause boundaries), ``hits`` (what a finding is and the category
names), ``cues`` (the words a sentence needs to be worth reading), ``people`` (who is mentioned)
and ``subjects`` (which mentions are subjects); then one module per category family:
``predicates`` and ``verb_phrase`` (omission, counterfactual), ``judgement``, ``possessive``,
``cause``, ``harm`` and ``change``, with ``intent`` (purposes and remedies) shared by the last.
"""
