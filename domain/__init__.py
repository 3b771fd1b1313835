"""The pure core of jiqun: the model, commands, change log, rules, scores and validators.

Nothing here imports Strawberry or Starlette; the API and the publisher are adapters around it.
"""
