using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>Every bad input throws an ArgumentException naming the argument, the value and what is allowed, and changes no gradient.</summary>
public class BadInputTests
{
    private static void AssertRejected<TException>(Action<Tensor[]> call, string argument, string value, string allowed)
        where TException : ArgumentException
    {
        using var scope = NewDisposeScope();
        Tensor[] ps = { Grads.Param(new float[] { 3, 4, 5 }), Grads.Param(new float[] { float.NaN }) };
        byte[][] before = ps.Select(Grads.Bytes).ToArray();
        var ex = Assert.Throws<TException>(() => call(ps));
        Assert.Equal(argument, ex.ParamName);
        Assert.Contains(value, ex.Message);
        Assert.Contains(allowed, ex.Message);
        for (int i = 0; i < ps.Length; i++) Assert.Equal(before[i], Grads.Bytes(ps[i]));
    }

    public static TheoryData<double, string> BadMaxNorms => new() { { -1.0, "-1" }, { double.NaN, "NaN" }, { double.NegativeInfinity, "-Infinity" } };

    [Theory]
    [MemberData(nameof(BadMaxNorms))]
    public void MaxNorm_below_0_or_NaN_is_rejected_everywhere(double maxNorm, string shown)
    {
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradNorm(ps, maxNorm), "maxNorm", shown, ">= 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradNorm(ps, maxNorm, 2, NonFinitePolicy.SkipStep), "maxNorm", shown, ">= 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradNormPerTensor(ps, maxNorm), "maxNorm", shown, ">= 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradsWithNorm(ps, maxNorm, tensor(1.0)), "maxNorm", shown, ">= 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipByGlobalNorm(ps, maxNorm), "clipNorm", shown, ">= 0");
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-2.0, "-2")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void NormType_0_negative_or_NaN_is_rejected(double p, string shown)
    {
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradNorm(ps, 1, p), "normType", shown, "> 0 or double.PositiveInfinity");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.GetTotalNorm(ps, p), "normType", shown, "> 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradNormPerTensor(ps, 1, p), "normType", shown, "> 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.AdaptiveClipGrad(ps, 0.01, 1e-3, p), "normType", shown, "> 0");
    }

    [Theory]
    [InlineData(-0.5, "-0.5")]
    [InlineData(double.NaN, "NaN")]
    public void ClipValue_below_0_or_NaN_is_rejected(double c, string shown)
    {
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradValue(ps, c), "clipValue", shown, ">= 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradValue(ps, c, NonFinitePolicy.Throw), "clipValue", shown, ">= 0");
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-0.01, "-0.01")]
    [InlineData(double.NaN, "NaN")]
    public void ClipFactor_and_eps_must_be_positive(double v, string shown)
    {
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.AdaptiveClipGrad(ps, v), "clipFactor", shown, "> 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.AdaptiveClipGrad(ps, 0.01, v), "eps", shown, "> 0");
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.AdaptiveClipGrad(ps, v, 1e-3, NonFinitePolicy.SkipStep), "clipFactor", shown, "> 0");
    }

    [Fact]
    public void Undefined_policy_value_is_rejected()
    {
        AssertRejected<ArgumentOutOfRangeException>(ps => GradClip.ClipGradNorm(ps, 1, 2, (NonFinitePolicy)7), "nonFinite", "7", "Propagate, Throw or SkipStep");
    }

    [Fact]
    public void Null_enumerables_are_rejected()
    {
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => GradClip.ClipGradNorm(null!, 1.0)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => GradClip.ClipGradValue(null!, 1.0)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => GradClip.AdaptiveClipGrad(null!)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => GradClip.ClipGradNormPerTensor(null!, 1)).ParamName);
        Assert.Equal("gradients", Assert.Throws<ArgumentNullException>(() => GradClip.GetTotalNorm(null!)).ParamName);
        Assert.Equal("tensors", Assert.Throws<ArgumentNullException>(() => GradClip.ClipByGlobalNorm(null!, 1)).ParamName);
        using var scope = NewDisposeScope();
        Assert.Equal("totalNorm", Assert.Throws<ArgumentNullException>(() => GradClip.ClipGradsWithNorm(new[] { zeros(1) }, 1, null!)).ParamName);
    }

    [Fact]
    public void A_null_element_is_rejected_before_anything_is_clipped()
    {
        AssertRejected<ArgumentException>(ps => GradClip.ClipGradNorm(new[] { ps[0], null!, ps[1] }, 0.1), "parameters", "parameters[1] is null", "must be a tensor");
    }

    [Fact]
    public void A_null_first_element_gets_the_documented_error_from_every_entry_point()
    {
        // The old buffer registry looked parameters[0] up first and threw ArgumentNullException ('key').
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4 });
        Tensor[] ps = { null!, p };
        foreach (Action call in new Action[]
        {
            () => GradClip.ClipGradNorm(ps, 1.0),
            () => GradClip.ClipGradNorm(ps, 1.0, 2.0, NonFinitePolicy.SkipStep),
            () => GradClip.ClipGradNormToTensor(ps, 1.0),
            () => GradClip.ClipGradNormPerTensor(ps, 1.0),
            () => GradClip.ClipGradValue(ps, 1.0),
            () => GradClip.TotalGradNorm(ps),
            () => GradClip.GetNormPowerSum(ps),
        })
        {
            var ex = Assert.Throws<ArgumentException>(call);
            Assert.Equal("parameters", ex.ParamName);
            Assert.Contains("parameters[0] is null", ex.Message);
        }

        Assert.Equal(new float[] { 3, 4 }, Grads.Of(p));
    }

    [Fact]
    public void A_gradient_whose_shape_differs_from_its_parameter_is_rejected_naming_both_shapes()
    {
        using var scope = NewDisposeScope();
        var ok = Grads.Param(new float[] { 3, 4, 5 });
        var p = new global::TorchSharp.Modules.Parameter(zeros(2, 3));
        p.grad = ones(3, 2); // the setter does not validate (REFERENCE §3)
        byte[] before = Grads.Bytes(ok);
        var ex = Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm(new Tensor[] { ok, p }, 0.1));
        Assert.Equal("parameters", ex.ParamName);
        Assert.Contains("parameters[1]", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Equal(before, Grads.Bytes(ok));
        Assert.Throws<ArgumentException>(() => GradClip.ClipGradValue(new Tensor[] { ok, p }, 0.1));
        Assert.Throws<ArgumentException>(() => GradClip.AdaptiveClipGrad(new Tensor[] { ok, p }));
        Assert.Equal(before, Grads.Bytes(ok));
    }

    [Fact]
    public void TotalNorm_with_more_than_one_element_is_rejected()
    {
        AssertRejected<ArgumentException>(ps => GradClip.ClipGradsWithNorm(ps, 1, ones(2)), "totalNorm", "[2]", "exactly one element");
    }
}
