"""moto server for the local stack, with DynamoDB's transaction guarantees (infra/moto_dynamodb.py).

Same arguments as `python -m moto.server`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.moto_dynamodb import install

if __name__ == "__main__":
    install()
    from moto.server import main

    main(sys.argv[1:])
