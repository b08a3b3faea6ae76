"""A local, stateful stand-in for GitHub's REST API and GitLab's REST v4 API.

Real PyGithub and python-gitlab clients talk to it over HTTP on loopback, exactly as to the
real services, so adapters are tested end to end without a network. See SandboxServer.
"""
