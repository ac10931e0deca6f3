"""The contribution service: a form and an API that turn a volunteer's input into a pull request.

``service`` is the web application (``communs contrib``); ``submissions`` checks what arrives
with the validator and sees it through to a branch; ``guard`` keeps abuse out; ``workspace``
commits with Git plumbing in a private mirror; ``forges`` opens the pull request on GitHub,
GitLab, Gitea/Forgejo or a plain Git remote; ``lookup`` finds likely duplicates (and serves
``communs search``).

Public face: ``service.create_app`` / ``ServiceConfig``, ``forges.make_forge``, ``lookup.Lookup``.
"""
