namespace ClipGen;

/// <summary>
/// The TensorBoard tags <see cref="GradNormMonitor"/> writes (slash-grouped as TensorBoard shows them: the
/// <c>grad_norm</c> scalars in one section, the <c>grad_values</c> histograms in another).
/// </summary>
public static class GradNormTags
{
    /// <summary>Total gradient norm before clipping, every optimizer step.</summary>
    public const string PreClip = "grad_norm/pre_clip";

    /// <summary>Total gradient norm after clipping, every optimizer step.</summary>
    public const string PostClip = "grad_norm/post_clip";

    /// <summary>The factor the gradients were multiplied by (<c>min(maxNorm / (total + 1e-6), 1)</c> for norm clipping).</summary>
    public const string Coefficient = "grad_norm/clip_coef";

    /// <summary>1 when clipping changed the gradients, else 0 (its mean over a window is the clip rate).</summary>
    public const string Clipped = "grad_norm/clipped";

    /// <summary><see cref="GradNormMonitor.SuggestMaxNorm"/> over the last 1000 steps, every N steps.</summary>
    public const string SuggestedMaxNorm = "grad_norm/suggested_max_norm";

    /// <summary>Histogram of the gradient entries before clipping, every N steps.</summary>
    public const string ValuesPreClip = "grad_values/pre_clip";

    /// <summary>Histogram of the gradient entries after clipping, every N steps.</summary>
    public const string ValuesPostClip = "grad_values/post_clip";
}
