using System;
using System.Collections.Generic;

namespace ClipGen.Internal;

/// <summary>Percentiles with linear interpolation between order statistics (NumPy's default, "linear").</summary>
internal static class Percentiles
{
    /// <summary>p-th percentile (0–100) of an ascending list: <c>x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])</c>, <c>h = (n − 1)·p/100</c>.</summary>
    internal static double OfSorted(IReadOnlyList<double> sorted, double percentile)
    {
        if (sorted.Count == 0) return double.NaN;
        double h = (sorted.Count - 1) * percentile / 100.0;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Count - 1) return sorted[sorted.Count - 1];
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }

    internal static double Of(IEnumerable<double> values, double percentile)
    {
        var list = new List<double>(values);
        list.Sort();
        return OfSorted(list, percentile);
    }
}
