using static TorchSharp.torch;

namespace ExplodingGradients;

/// <summary>
/// The adding problem (Hochreiter &amp; Schmidhuber 1997; used by Pascanu et al. 2013): each time step
/// carries a random value in [0, 1] and a marker; exactly two markers are 1, one in the first half of the
/// sequence and one in the second; the target is the sum of the two marked values. Predicting the mean
/// (1.0) scores an MSE of 1/6 ≈ 0.167: a model must carry information across up to
/// <c>length</c> steps to beat it.
/// </summary>
internal static class AddingProblem
{
    /// <summary>The MSE of always predicting 1: the variance of the sum of two U(0, 1) values, 2/12.</summary>
    public const double BaselineMse = 2.0 / 12.0;

    /// <summary>A batch: inputs <c>[batch, length, 2]</c> (value, marker) and targets <c>[batch, 1]</c>.</summary>
    public static (Tensor Inputs, Tensor Targets) Batch(int batch, int length)
    {
        Tensor values = rand(batch, length, 1);
        Tensor first = randint(0, length / 2, new long[] { batch, 1, 1 });
        Tensor second = randint(length / 2, length, new long[] { batch, 1, 1 });
        Tensor positions = arange(length).view(1, length, 1);
        Tensor markers = (positions == first).logical_or(positions == second).to_type(ScalarType.Float32);
        Tensor targets = (values * markers).sum(1);
        return (cat(new[] { values, markers }, 2), targets);
    }
}
