using ClipGen;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

public class NotPartialType
{
    private Module<Tensor, Tensor> model = null!;
    private torch.optim.Optimizer optimizer = null!;

    [ClipGradNorm(1.0)]
    public partial Tensor Step(Tensor input, Tensor target);
}

public partial class Ambiguous
{
    private Module<Tensor, Tensor> a = null!;
    private Module<Tensor, Tensor> b = null!;
    private torch.optim.Optimizer optimizer = null!;

    [ClipGradNorm(-1.0, AccumulationSteps = 0)]
    public partial Tensor Step(Tensor input, Tensor target);

    [ClipGradNorm(double.NaN)]
    public Tensor WithBody(Tensor input) => input;

    [ClipGradValue(1.0, Model = "missing")]
    public partial string WrongReturn(Tensor input, Tensor target);

    [ClipGradNorm(1.0)]
    public partial Tensor Generic<T>(T input, ref Tensor target);
}

public partial record struct RecordTrainer(Module<Tensor, Tensor> Model, torch.optim.Optimizer Optimizer, Loss<Tensor, Tensor, Tensor> Criterion)
{
    [ClipGradNorm(1.0, NonFinite = NonFinitePolicy.Throw)]
    public partial void Step(Tensor input, Tensor target);
}
