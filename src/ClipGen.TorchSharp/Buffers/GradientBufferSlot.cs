using static TorchSharp.torch;

namespace ClipGen;

/// <summary>One parameter's place in a <see cref="GradientBufferSegment"/>: <c>flat[Offset, Offset + Count)</c>.</summary>
internal sealed class GradientBufferSlot
{
    public GradientBufferSlot(int index, Tensor parameter, long offset, long count, Tensor view)
    {
        Index = index;
        Parameter = parameter;
        Offset = offset;
        Count = count;
        View = view;
        ViewImpl = LibTorchSharpProbe.Impl(view);
    }

    /// <summary>The parameter's position in the buffer's parameter list.</summary>
    public int Index { get; }

    public Tensor Parameter { get; }

    public long Offset { get; }

    public long Count { get; }

    /// <summary>
    /// Our own wrapper of the view. Holding it keeps its impl alive, so no other tensor can ever be
    /// allocated at <see cref="ViewImpl"/> while the buffer lives (an address match is an identity match).
    /// </summary>
    public Tensor View { get; }

    public IntPtr ViewImpl { get; }

    /// <summary>Whether the grad was null when last checked and the region was zeroed for it.</summary>
    public bool Vacant { get; set; }
}
