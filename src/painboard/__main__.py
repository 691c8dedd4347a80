from painboard.cli import main

main()
