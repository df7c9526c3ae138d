"""Entry point of ``seedsoil``, the window. Not built yet: see the issue "The window"."""

import sys


def main(argv=None) -> int:
    print("seedsoil: the window is not built yet (issue 'The window'); use seedsoil-sim for now.",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
