namespace ClipGen;

/// <summary>One step recorded by <see cref="GradNormMonitor"/>.</summary>
/// <param name="Step">0-based step number (order of recording).</param>
/// <param name="PreClipNorm">The total gradient norm before clipping.</param>
/// <param name="PostClipNorm">The total gradient norm after clipping (for norm clipping <c>PreClipNorm · Coefficient</c>).</param>
/// <param name="Clipped">Whether clipping changed the gradients.</param>
/// <param name="NonFinite">Whether the pre-clip norm was NaN or infinite.</param>
/// <param name="SkipStep">Whether the optimizer step was to be skipped.</param>
public readonly record struct GradNormRecord(long Step, double PreClipNorm, double PostClipNorm, bool Clipped, bool NonFinite, bool SkipStep);
