"""The constructs the Tasklane stack is made of, one per concern; infra/stack.py composes them.

Each is a `naming.Concern`: its id stays out of its resources' logical IDs and generated names,
so the template is the one the stack produced when it made every resource itself.
"""
