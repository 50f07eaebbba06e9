namespace ClipGen.Generator.Tests;

/// <summary>
/// Tests that seed libtorch's global generator (<c>random.manual_seed</c>) and then build models or batches from it:
/// run one at a time, or another class drawing numbers in parallel gives two "identically seeded" models different
/// weights.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GlobalRandomCollection
{
    public const string Name = "libtorch global random generator";
}
