using TorchSharp;
using static TorchSharp.torch;

// Foundation placeholder for the main sample: trains a tiny tanh RNN on the adding problem with and
// without clipping. The full experiment (seeds, table, plots) replaces this.
random.manual_seed(0);
const int steps = 200;
foreach (bool clip in new[] { false, true })
{
    using var scope = NewDisposeScope();
    random.manual_seed(0);
    var rnn = nn.RNN(2, 32, nonLinearity: nn.NonLinearities.Tanh, batchFirst: true);
    var head = nn.Linear(32, 1);
    var parameters = rnn.parameters().Concat(head.parameters()).ToList();
    var optimizer = optim.SGD(parameters, 0.5);
    double loss = double.NaN;
    double maxNorm = 0;
    for (int step = 0; step < steps; step++)
    {
        using var stepScope = NewDisposeScope();
        Tensor values = rand(16, 50, 1);
        Tensor markers = zeros(16, 50, 1);
        markers[.., 0, 0] = 1;
        markers[.., 25, 0] = 1;
        Tensor target = (values * markers).sum(1);
        optimizer.zero_grad();
        var (output, _) = rnn.call(cat(new[] { values, markers }, 2));
        Tensor prediction = head.call(output[.., -1, ..]);
        Tensor l = nn.functional.mse_loss(prediction, target);
        l.backward();
        double norm = clip
            ? nn.utils.clip_grad_norm_(parameters, 1.0)
            : nn.utils.clip_grad_norm_(parameters, double.PositiveInfinity);
        maxNorm = Math.Max(maxNorm, norm);
        optimizer.step();
        loss = l.item<float>();
    }

    Console.WriteLine($"{(clip ? "clip_grad_norm_(1.0)" : "no clipping"),-22} final loss {loss,10:G4}   largest gradient norm {maxNorm,10:G4}");
}
