"""pandera models: the single source of truth for every input file's contract.

Each model lists the columns, their types, allowed values and the file's key (``Config.unique``).
The README's input reference is generated from these models (``scorecards docs``) and a test
keeps the two in step.
"""
