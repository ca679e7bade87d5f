"""The soak: load with faults through the live local deployment, then the invariants that must hold.

- `settings`: how much, how fast, which shares of duplicates, conflicts and bad inputs;
- `traffic`: the planned requests (sample transactions, replays, conflicts, bad inputs);
- `load`: sends them at a fixed rate from concurrent clients through the played API;
- `fault_schedule`: opens and closes each fault's window in the played service;
- `observe`: reads back what the deployment holds and did;
- `invariants`: the checks (pure);
- `figures`: throughput, latencies, CPU time (and the bench entry);
- `report`: the table and build/soak/result.json;
- `run`: the whole sequence (`make soak`).
"""
