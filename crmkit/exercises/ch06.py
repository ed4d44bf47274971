"""Exercises of Chapter 6, campaigns and direct marketing (ids ``ch6.<name>``).

Register each exercise with a function that computes the expected answer from the course
data or from the student's inputs, never with the answer written out::

    from crmkit.exercises._core import register

    @register("ch6.my_exercise", hint="...", tolerance=0.005)
    def my_exercise(customers=None):
        ...  # compute and return the expected answer

See ``crmkit.exercises.example`` for numbers, sets, Series, DataFrames and text answers.
"""
