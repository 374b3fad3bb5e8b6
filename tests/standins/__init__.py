"""Local stand-ins for the platforms' servers, for the real client libraries to talk to."""
