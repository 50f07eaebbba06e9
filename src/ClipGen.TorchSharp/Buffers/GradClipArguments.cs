namespace ClipGen;

/// <summary>Argument checks shared by the clipping entry points.</summary>
internal static class GradClipArguments
{
    /// <summary>
    /// Rejects a negative or NaN <paramref name="maxNorm"/> (PyTorch silently flips grad signs for
    /// <c>max_norm &lt; 0</c>, pytorch #31367) and a NaN <paramref name="normType"/>.
    /// </summary>
    public static void Validate(double maxNorm, double normType)
    {
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be ≥ 0.");
        }

        if (double.IsNaN(normType))
        {
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be a number.");
        }
    }
}
