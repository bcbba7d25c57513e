"""Finding builders on the LAN over mDNS, and publishing this machine as one."""
