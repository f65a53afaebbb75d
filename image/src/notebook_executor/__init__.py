"""The Notebook Jobs executor: runs one notebook inside a Kubernetes Job.

The interface with the service is docs/executor-contract.md at the repository root.
"""
