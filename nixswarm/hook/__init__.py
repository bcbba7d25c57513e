"""nixswarm's build-hook proxy: Nix asks it first; it keeps some derivations local and hands the rest to Nix's hook.

Stdlib only, and little of it: Nix starts one hook process per remote build and waits for it.
"""
