from painboard.entry import main

main()
