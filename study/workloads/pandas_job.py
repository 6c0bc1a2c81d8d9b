"""A data job: a sales table joined with customers, aggregated and pivoted; results kept in memory
(the process then waits, as a notebook kernel or a worker between tasks does)."""
import pathlib
import sys
import time

import numpy as np
import pandas as pd

ready, seed, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
customers = pd.DataFrame({
    'customer': np.arange(20000),
    'region': rng.choice(['north', 'south', 'east', 'west'], 20000),
    'segment': rng.choice(['retail', 'smb', 'enterprise'], 20000),
})
sales = pd.DataFrame({
    'customer': rng.integers(0, 20000, rows),
    'day': pd.to_datetime('2024-01-01') + pd.to_timedelta(rng.integers(0, 365, rows), unit='D'),
    'product': rng.choice([f'p{i:04d}' for i in range(2000)], rows),
    'qty': rng.integers(1, 20, rows),
    'price': rng.gamma(2.0, 30.0, rows).round(2),
})
sales['revenue'] = sales['qty'] * sales['price']
joined = sales.merge(customers, on='customer')
by_region = joined.groupby(['region', 'segment'])['revenue'].agg(['sum', 'mean', 'count'])
monthly = joined.pivot_table(index=joined['day'].dt.month, columns='region', values='revenue', aggfunc='sum')
top = joined.groupby('product')['revenue'].sum().nlargest(100)
corr = np.corrcoef(rng.standard_normal((400, 2000)))
pathlib.Path(ready).write_text(f'{len(joined)} {by_region.shape} {monthly.shape} {len(top)} {corr.shape}\n')
while True:
    time.sleep(60)
