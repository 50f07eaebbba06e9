using System.Collections.Generic;
using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>Builds the <see cref="NonFiniteGradientException"/> (only on the failure path, so an extra device sync is fine).</summary>
internal static class NonFinite
{
    internal static NonFiniteGradientException Exception(GradSet set, double total, double normType)
    {
        var offenders = new List<NonFiniteGradient>();
        if (set.Count > 0)
        {
            double[] norms = GradNorm.PerTensorNorms(set.Grads, normType).cpu().data<double>().ToArray();
            for (int k = 0; k < norms.Length; k++)
            {
                if (double.IsFinite(norms[k])) continue;
                int index = set.Indices[k];
                string? name = set.Names is not null && index < set.Names.Count ? set.Names[index] : null;
                offenders.Add(new NonFiniteGradient(index, name, set.Grads[k].shape, norms[k]));
            }
        }

        return new NonFiniteGradientException(total, normType, offenders);
    }
}
