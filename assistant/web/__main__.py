from assistant.web.app import main

main()
