using System;
using System.Numerics;

namespace ClipGen.Internal;

/// <summary>
/// The host mirror of <c>linalg.vector_norm(norms.double(), p)</c> for partial p-norms already in host memory:
/// <c>(Σ rᵢᵖ)^(1/p)</c> in float64 (p = ∞: <c>max rᵢ</c>). NaN and +∞ propagate as in libtorch.
/// </summary>
/// <remarks>
/// Why on the host: on the CPU, combining the row norms on the device costs three more libtorch dispatches (a cast, a
/// norm, the <c>item()</c> read: ~10–15 µs with TorchSharp's wrappers), the host loop well under a microsecond per
/// thousand rows. The summation order differs from libtorch's, so the total can differ from a device combination in
/// the last float64 bits, far below the float32 rounding of the row norms themselves.
/// </remarks>
internal static class HostNorm
{
    internal static double Of<T>(ReadOnlySpan<T> norms, double normType)
        where T : unmanaged, IFloatingPoint<T>
    {
        if (double.IsPositiveInfinity(normType))
        {
            double max = 0;
            foreach (T r in norms) max = Math.Max(max, double.CreateTruncating(r));
            return max;
        }

        double sum = 0;
        if (normType == 2.0)
        {
            foreach (T r in norms)
            {
                double x = double.CreateTruncating(r);
                sum += x * x;
            }

            return Math.Sqrt(sum);
        }

        if (normType == 1.0)
        {
            foreach (T r in norms) sum += double.CreateTruncating(r);
            return sum;
        }

        foreach (T r in norms) sum += Math.Pow(double.CreateTruncating(r), normType);
        return Math.Pow(sum, 1.0 / normType);
    }
}
