using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>Reads a 0-dim tensor as a double (a host sync on accelerators).</summary>
internal static class HostValue
{
    public static double Read(Tensor scalar)
    {
        switch (scalar.dtype)
        {
            case ScalarType.Float32:
                return scalar.item<float>();
            case ScalarType.Float64:
                return scalar.item<double>();
            default:
                using (Tensor wide = scalar.to_type(ScalarType.Float64))
                {
                    return wide.item<double>();
                }
        }
    }
}
