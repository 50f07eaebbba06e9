using ClipGen.Internal;

namespace ClipGen.TorchSharp.Tests.Probes;

/// <summary>Turns the native probes off for a block (AppContext switch + re-decision), then back to the default.</summary>
internal sealed class ProbeSwitch : IDisposable
{
    private ProbeSwitch(bool off)
    {
        AppContext.SetSwitch(NativeProbes.DisableSwitch, off);
        NativeProbes.Reset();
    }

    public static ProbeSwitch Off() => new(true);

    public void Dispose()
    {
        AppContext.SetSwitch(NativeProbes.DisableSwitch, false);
        NativeProbes.Reset();
    }
}

/// <summary>Tests that flip the process-wide switch run alone, after every parallel test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProbeSwitchCollection
{
    public const string Name = "Probe switch (runs alone)";
}

/// <summary>Marks a test that the probes-off re-run leaves out, with the reason.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
internal sealed class NotInProbesOffRunAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
