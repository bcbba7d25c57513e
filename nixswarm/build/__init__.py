"""`nixswarm build`: plan, check, run and watch one nix build across the chosen builders."""
