from rarelog.cli import main

raise SystemExit(main())
