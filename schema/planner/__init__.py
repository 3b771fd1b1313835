"""The read planner: covered root fields of a read operation answered by one SQL statement each.

A root field the planner covers (schema/planner/roots.py) is compiled, for the selection the client asked,
into one statement whose result is the page as JSON, built by the database; the executor
(schema/planner/executor.py) finishes it into the response value without ORM rows, Strawberry objects or
field-by-field resolution. The filters, orderings, cursors, page checks and visibility it uses are the
ones the resolvers use, so both paths answer alike; anything it does not cover goes through the resolvers.
"""
