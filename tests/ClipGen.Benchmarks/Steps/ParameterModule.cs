using TorchSharp;
using TorchSharp.Modules;

namespace ClipGen.Benchmarks.Steps;

/// <summary>A module that only holds a workload's parameters (registered as p0, p1, ...), as a model's parameters() would.</summary>
public sealed class ParameterModule : torch.nn.Module
{
    public ParameterModule(IReadOnlyList<Parameter> parameters) : base("parameters")
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            register_parameter("p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters[i]);
        }
    }
}
