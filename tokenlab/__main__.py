from tokenlab.cli import entry

entry()
