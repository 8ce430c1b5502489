"""Identity, secrets and input hygiene shared by the web server and the channels."""
