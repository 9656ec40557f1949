namespace AllocGen.Pools;

/// <summary>
/// Which of its partly used pools a size class allocates from: the trade between speed and memory under churn.
/// Consulted only when a pool joins its class's list (a full pool gets a block back), never on the fast paths.
/// </summary>
public enum PoolReusePolicy
{
    /// <summary>
    /// The default. A full pool that gets a block back rejoins its class at the back, and gathers frees while the
    /// pools before it serve, so a pool is rarely switched. Under steady churn each class keeps the pools its peak
    /// needed, partly used.
    /// </summary>
    Fast = 0,

    /// <summary>
    /// The class's pools are kept in address order and allocation serves the lowest one with a free block (jemalloc's
    /// policy): the highest pools get no new blocks, drain and go back to their arena for any class to reuse. Fewer
    /// pools under churn, at the cost of switching pools far more often, which makes churn slower (the measured
    /// trade is in docs/benchmarks.md, rows AllocGenCompact). It pays most after a spike, when Fast keeps the spike's
    /// pools partly used for good and Compact drains them for <c>Trim()</c>.
    /// </summary>
    Compact = 1,
}
