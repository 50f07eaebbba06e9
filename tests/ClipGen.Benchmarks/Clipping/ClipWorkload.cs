using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Clipping;

/// <summary>The gradient shapes clipped in the benchmarks.</summary>
public enum ClipWorkload
{
    /// <summary>500 tensors of 1,000 floats.</summary>
    Many500x1000,

    /// <summary>1,000 tensors of 4,096 floats.</summary>
    Many1000x4096,

    /// <summary>4 tensors of 1,000,000 floats.</summary>
    Few4x1M,

    /// <summary>2-layer LSTM(128→256) + Linear(256→1000): 10 tensors, ~1.2 M floats.</summary>
    Lstm,

    /// <summary>Transformer encoder, 4 layers, d_model 256, 4 heads, FF 1024: 50 tensors, ~3.2 M floats.</summary>
    Transformer,
}

/// <summary>Builds parameters of a workload's shapes, each with a random grad.</summary>
public static class ClipWorkloads
{
    public static long[][] Shapes(ClipWorkload workload) => workload switch
    {
        ClipWorkload.Many500x1000 => Repeat(500, 1000),
        ClipWorkload.Many1000x4096 => Repeat(1000, 4096),
        ClipWorkload.Few4x1M => Repeat(4, 1_000_000),
        ClipWorkload.Lstm => ModelShapes(nn.LSTM(128, 256, numLayers: 2)).Concat(ModelShapes(nn.Linear(256, 1000))).ToArray(),
        ClipWorkload.Transformer => ModelShapes(nn.TransformerEncoder(nn.TransformerEncoderLayer(256, 4, 1024), 4)),
        _ => throw new ArgumentOutOfRangeException(nameof(workload)),
    };

    public static Parameter[] WithGrads(long[][] shapes, int seed)
    {
        random.manual_seed(seed);
        var ps = new Parameter[shapes.Length];
        for (int i = 0; i < shapes.Length; i++)
        {
            ps[i] = new Parameter(zeros(shapes[i]));
            ps[i].grad = randn(shapes[i]);
        }

        return ps;
    }

    public static long TotalElements(long[][] shapes) => shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));

    private static long[][] Repeat(int count, long size) => Enumerable.Range(0, count).Select(_ => new[] { size }).ToArray();

    private static long[][] ModelShapes(nn.Module model)
    {
        long[][] shapes = model.parameters().Select(p => p.shape).ToArray();
        model.Dispose();
        return shapes;
    }
}
