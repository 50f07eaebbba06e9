using System.Reflection;
using System.Runtime.Loader;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Clipping;

/// <summary>
/// The ClipGen runtime as built from another commit (the "before" of a redesign), loaded beside the current one
/// in its own AssemblyLoadContext so both run in one process, on one TorchSharp, in one BenchmarkDotNet run.
/// Build it with: <c>git archive main | tar -x -C /tmp/before &amp;&amp; dotnet build /tmp/before/src/ClipGen.TorchSharp -c Release</c>,
/// then set CLIPGEN_BEFORE_DLL to its bin/Release/net8.0/ClipGen.TorchSharp.dll.
/// </summary>
public sealed class BeforeRuntime
{
    private BeforeRuntime(Assembly assembly)
    {
        Type gradClip = assembly.GetType("ClipGen.GradClip", throwOnError: true)!;
        MethodInfo plain = gradClip.GetMethod("ClipGradNorm", [typeof(IEnumerable<Tensor>), typeof(double), typeof(double), typeof(bool)])
            ?? throw new MissingMethodException("ClipGen.GradClip", "ClipGradNorm(IEnumerable<Tensor>, double, double, bool)");
        ClipGradNorm = plain.CreateDelegate<Func<IEnumerable<Tensor>, double, double, bool, double>>();

        Type buffer = assembly.GetType("ClipGen.GradientBuffer", throwOnError: true)!;
        MethodInfo attach = buffer.GetMethod("Attach", [typeof(IEnumerable<Tensor>), typeof(optim.Optimizer)])
            ?? throw new MissingMethodException("ClipGen.GradientBuffer", "Attach(IEnumerable<Tensor>, Optimizer)");
        AttachBuffer = attach.CreateDelegate<Func<IEnumerable<Tensor>, optim.Optimizer, IDisposable>>();
        BufferClip = buffer.GetMethod("ClipGradNorm", [typeof(double), typeof(double), typeof(bool)])
            ?? throw new MissingMethodException("ClipGen.GradientBuffer", "ClipGradNorm(double, double, bool)");
    }

    /// <summary>The before-runtime's <c>GradClip.ClipGradNorm(parameters, maxNorm, normType, errorIfNonFinite)</c>.</summary>
    public Func<IEnumerable<Tensor>, double, double, bool, double> ClipGradNorm { get; }

    /// <summary>The before-runtime's <c>GradientBuffer.Attach(parameters, optimizer)</c>.</summary>
    public Func<IEnumerable<Tensor>, optim.Optimizer, IDisposable> AttachBuffer { get; }

    /// <summary>The before-runtime's <c>GradientBuffer.ClipGradNorm(double, double, bool)</c> (bind it to a buffer).</summary>
    public MethodInfo BufferClip { get; }

    public static string? ConfiguredPath => Environment.GetEnvironmentVariable("CLIPGEN_BEFORE_DLL") is { Length: > 0 } p ? p : null;

    public static BeforeRuntime Load()
    {
        string path = ConfiguredPath ?? throw new InvalidOperationException(
            "CLIPGEN_BEFORE_DLL is not set: it names the ClipGen.TorchSharp.dll of the 'before' build (see BeforeRuntime).");
        var context = new IsolatedContext(Path.GetFullPath(path));
        return new BeforeRuntime(context.LoadFromAssemblyPath(Path.GetFullPath(path)));
    }

    /// <summary>Loads only the before-runtime itself; TorchSharp and everything else resolve to the default context's.</summary>
    private sealed class IsolatedContext(string path) : AssemblyLoadContext("clipgen-before")
    {
        private readonly string _name = Path.GetFileNameWithoutExtension(path);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name == _name ? LoadFromAssemblyPath(path) : null;
    }
}
