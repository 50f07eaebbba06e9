using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>Builds parameters with given gradients and reads gradients back (inside the caller's DisposeScope).</summary>
internal static class Grads
{
    public static Parameter Param(float[] grad, params long[] shape)
    {
        shape = shape.Length == 0 ? new long[] { grad.Length } : shape;
        var p = new Parameter(zeros(shape));
        p.grad = tensor(grad).reshape(shape);
        return p;
    }

    public static Parameter Param(Tensor grad)
    {
        var p = new Parameter(zeros_like(grad));
        p.grad = grad;
        return p;
    }

    public static Parameter NoGrad(params long[] shape) => new(zeros(shape));

    public static float[] Of(Tensor p) => p.grad!.to_type(ScalarType.Float32).data<float>().ToArray();

    public static double[] OfDouble(Tensor p) => p.grad!.to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>The raw bytes of a gradient, to prove it is bit-identical.</summary>
    public static byte[] Bytes(Tensor p) => p.grad!.contiguous().bytes.ToArray();

    public static double L2(params float[][] gs) => Math.Sqrt(gs.SelectMany(g => g).Sum(x => (double)x * x));
}
