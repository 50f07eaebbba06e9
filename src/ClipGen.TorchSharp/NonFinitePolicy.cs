namespace ClipGen;

/// <summary>What clipping does when the total gradient norm is NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>
    /// PyTorch's behaviour (<c>error_if_nonfinite=False</c>): the coefficient
    /// <c>max_norm / (total + 1e-6)</c> is applied anyway, so NaN spreads to every gradient and an
    /// infinite norm zeroes finite entries and turns infinite ones into NaN.
    /// </summary>
    Propagate = 0,

    /// <summary>
    /// PyTorch's <c>error_if_nonfinite=True</c>: throw an exception naming the offending parameters and
    /// leave every gradient unchanged.
    /// </summary>
    Throw = 1,

    /// <summary>
    /// Leave the gradients unchanged and report the step as one to skip: the caller (or a generated
    /// train step) does not call <c>optimizer.step()</c>, so no NaN reaches the weights.
    /// </summary>
    SkipStep = 2,
}
