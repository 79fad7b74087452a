"""``python -m repair``: the same as the ``repair`` command."""
from .cli import main

if __name__ == "__main__":
    main()
