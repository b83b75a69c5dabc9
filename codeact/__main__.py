from codeact.cli.main import main

main()
