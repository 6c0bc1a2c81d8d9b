"""A Flask order service: an in-memory table of orders built at import, queried per request."""
import json
import random

from flask import Flask, request

app = Flask(__name__)
_rnd = random.Random(7)
PRODUCTS = [{'sku': f'SKU-{i:05d}', 'name': f'product {i}', 'price': round(_rnd.uniform(1, 500), 2)} for i in range(5000)]
ORDERS = [
    {'id': i, 'customer': _rnd.randrange(2000), 'lines': [(_rnd.randrange(5000), _rnd.randrange(1, 5)) for _ in range(_rnd.randrange(1, 6))]}
    for i in range(20000)
]
CACHE = {}


@app.route('/orders')
def orders():
    cust = int(request.args.get('customer', '0')) + random.randrange(500)
    if cust not in CACHE:
        mine = [o for o in ORDERS if o['customer'] == cust]
        CACHE[cust] = json.dumps([{'id': o['id'], 'total': sum(PRODUCTS[p]['price'] * q for p, q in o['lines'])} for o in mine])
    return app.response_class(CACHE[cust], mimetype='application/json')
