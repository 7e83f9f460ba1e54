"""Local images built from provisioned binaries, for machines where no registry is reachable.

``context`` writes a build context (pure file work, unit-tested); ``build`` talks to the
Docker engine (pull the pinned image, else build the same tag from the local binary).
"""
