"""The app's long jobs, one module each: plain async code over the core, run by the screens in workers."""
