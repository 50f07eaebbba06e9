using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ExplodingGradients;

/// <summary>
/// A one-layer tanh RNN and a linear read-out of its last hidden state. The recurrent matrix starts with
/// spectral radius <c>recurrentScale</c> (a random orthogonal matrix times that scale): above 1, as in
/// Pascanu et al.'s exploding regime, the Jacobian product over time can grow exponentially.
/// </summary>
internal sealed class TanhRnn : nn.Module<Tensor, Tensor>
{
    private readonly RNN rnn;
    private readonly Linear head;

    public TanhRnn(int hiddenSize, double recurrentScale) : base(nameof(TanhRnn))
    {
        rnn = nn.RNN(inputSize: 2, hiddenSize: hiddenSize, nonLinearity: nn.NonLinearities.Tanh, batchFirst: true);
        head = nn.Linear(hiddenSize, 1);
        RegisterComponents();
        using (no_grad())
        {
            foreach (var (name, parameter) in rnn.named_parameters())
            {
                if (name.StartsWith("weight_hh", StringComparison.Ordinal))
                {
                    nn.init.orthogonal_(parameter);
                    parameter.mul_(recurrentScale);
                }
            }
        }
    }

    public override Tensor forward(Tensor input)
    {
        var (output, _) = rnn.call(input);
        return head.call(output[.., -1, ..]);
    }
}
