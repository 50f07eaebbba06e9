using ClipGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Verify = ClipGen.Analyzers.Tests.Infrastructure.CSharpAnalyzerVerifier<ClipGen.Analyzers.TrainingLoopAnalyzer>;

namespace ClipGen.Analyzers.Tests.Rules;

public class CG0001MissingClippingTests
{
    [Fact]
    public Task Step_after_backward_without_clipping_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            {|CG0001:optimizer.step()|};
        }
        """));

    [Fact]
    public Task Clipping_on_one_branch_only_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            if (i > 10)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            }
            {|CG0001:optimizer.step()|};
        }
        """));

    [Fact]
    public Task TorchSharp_clip_grad_norm_between_backward_and_step_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        """));

    [Fact]
    public Task Clip_grad_value_counts_as_clipping() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        nn.utils.clip_grad_value_(model.parameters(), 0.5);
        optimizer.step();
        """));

    [Fact]
    public Task GradClip_and_its_module_extensions_count_as_clipping() => Verify.VerifyAsync(Snippets.Loop("""
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            if (i % 2 == 0) ClipGen.GradClip.ClipGradNorm(model.parameters(), 1.0);
            else ClipGen.GradClipModuleExtensions.ClipGradValue(model, 0.5);
            optimizer.step();
        }
        """));

    [Theory]
    [InlineData("ClipGen.IGradientClipper clipper = new ClipGen.NormClipper(1.0);")]
    [InlineData("var clipper = new ClipGen.NormClipper(1.0);")]
    [InlineData("var clipper = new ClipGen.AutoClipper(10);")]
    [InlineData("var clipper = new ClipGen.ZClipper();")]
    [InlineData("var clipper = new MyClipper();")]
    public Task IGradientClipper_Clip_and_its_implementations_count_as_clipping(string clipper) => Verify.VerifyAsync(Snippets.Loop($$"""
        {{clipper}}
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            ClipGen.ClipResult clip = clipper.Clip(model.parameters());
            optimizer.step();
        }
        """, members: """
        private sealed class MyClipper : ClipGen.IGradientClipper
        {
            public ClipGen.ClipResult Clip(IEnumerable<Tensor> parameters) => ClipGen.GradClip.ClipGradNorm(parameters, 1.0, 2.0, ClipGen.NonFinitePolicy.SkipStep);
        }
        """));

    [Fact]
    public Task A_Clip_method_of_a_class_that_is_not_a_gradient_clipper_does_not_count() => Verify.VerifyAsync(Snippets.Loop("""
        var clipper = new Clipper();
        for (int i = 0; i < steps; i++)
        {
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            clipper.Clip(model.parameters());
            {|CG0001:optimizer.step()|};
        }
        """, members: """
        private sealed class Clipper { public ClipGen.ClipResult Clip(IEnumerable<Tensor> parameters) => default; }
        """));

    [Fact]
    public Task GradientAccumulator_Step_clips_and_clears_gradients() => Verify.VerifyAsync(Snippets.Loop("""
        var accumulator = new ClipGen.GradientAccumulator(4);
        var clipper = new ClipGen.NormClipper(1.0);
        for (int i = 0; i < steps; i++)
        {
            var loss = nn.functional.mse_loss(model.call(x), y);
            if (i == 0)
            {
                loss.backward();
            }
            accumulator.Step(loss, model.parameters(), optimizer, clipper);
            if (i == 0) optimizer.step();
        }
        """));

    [Fact]
    public Task GradientAccumulator_Backward_is_a_backward_so_an_unclipped_boundary_step_is_reported() => Verify.VerifyAsync(Snippets.Loop("""
        var accumulator = new ClipGen.GradientAccumulator(4);
        for (int i = 0; i < steps; i++)
        {
            if (accumulator.Backward(nn.functional.mse_loss(model.call(x), y)))
            {
                {|CG0001:optimizer.step()|};
                optimizer.zero_grad();
            }
        }
        """));

    [Fact]
    public Task A_source_helper_that_clips_counts_as_clipping() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        Clip(model);
        optimizer.step();
        """, members: """
        private static void Clip(nn.Module model) => nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        """));

    [Fact]
    public Task A_helper_in_another_class_that_clips_counts_as_clipping() => Verify.VerifyAsync(
        Snippets.Loop("""
            optimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            Clipping.Apply(model);
            optimizer.step();
            """) + """
            public static class Clipping
            {
                public static void Apply(nn.Module model)
                {
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                }
            }
            """);

    [Fact]
    public Task A_helper_that_does_not_clip_does_not_count() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.zero_grad();
        nn.functional.mse_loss(model.call(x), y).backward();
        Log(model);
        {|CG0001:optimizer.step()|};
        """, members: """
        private static void Log(nn.Module model) => Console.WriteLine(model);
        """));

    [Fact]
    public Task Recurrent_model_raises_the_severity_to_warning() => Verify.VerifyAsync(
        Snippets.Loop("""
            optimizer.zero_grad();
            model.call(x, null).Item1.sum().backward();
            {|#0:optimizer.step()|};
            """, model: "LSTM"),
        Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(DiagnosticSeverity.Warning)
            .WithArguments("optimizer", " (the model is recurrent/attention-based: its gradients are prone to explode)"));

    [Fact]
    public Task Model_class_with_a_transformer_member_raises_the_severity() => Verify.VerifyAsync(
        Snippets.Usings + """
        public class Net : nn.Module<Tensor, Tensor>
        {
            private readonly TransformerEncoderLayer layer = nn.TransformerEncoderLayer(16, 2);
            public Net() : base("net") => RegisterComponents();
            public override Tensor forward(Tensor x) => layer.call(x);
        }

        public class Trainer
        {
            private readonly Net net = new();
            private readonly optim.Optimizer opt;
            public Trainer() => opt = optim.AdamW(net.parameters());
            public void Step(Tensor x)
            {
                net.call(x).sum().backward();
                {|#0:opt.step()|};
                opt.zero_grad();
            }
        }
        """,
        Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(DiagnosticSeverity.Warning)
            .WithArguments("opt", " (the model is recurrent/attention-based: its gradients are prone to explode)"));

    [Fact]
    public Task Sequential_built_with_a_transformer_raises_the_severity() => Verify.VerifyAsync(
        Snippets.Usings + """
        public static class Program
        {
            public static void Run(Tensor x)
            {
                var model = nn.Sequential(nn.Linear(8, 8), nn.TransformerEncoderLayer(8, 2));
                var sgd = optim.SGD(model.parameters(), 0.1);
                sgd.zero_grad();
                model.call(x).sum().backward();
                {|#0:sgd.step()|};
            }
        }
        """,
        Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(DiagnosticSeverity.Warning)
            .WithArguments("sgd", " (the model is recurrent/attention-based: its gradients are prone to explode)"));

    [Fact]
    public Task The_message_says_on_some_path_only_when_another_path_clips() => Verify.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                model.call(x).sum().backward();
                if (i > 100)
                {
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                }
                {|#0:optimizer.step()|};
            }
            """, model: "Linear"),
        Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(DiagnosticSeverity.Info).WithArguments("optimizer", " on some path"));

    [Fact]
    public Task The_message_says_no_gradient_clipping_when_there_is_none() => Verify.VerifyAsync(
        Snippets.Loop("""
            for (int i = 0; i < steps; i++)
            {
                optimizer.zero_grad();
                model.call(x).sum().backward();
                {|#0:optimizer.step()|};
            }
            """, model: "Linear"),
        Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(DiagnosticSeverity.Info)
            .WithMessage("'optimizer.step()' runs after 'backward()' with no gradient clipping between them"));

    [Fact]
    public Task Feed_forward_model_stays_info() => Verify.VerifyAsync(
        Snippets.Loop("""
            optimizer.zero_grad();
            model.call(x).sum().backward();
            {|#0:optimizer.step()|};
            """, model: "Linear"),
        Verify.Diagnostic("CG0001").WithLocation(0).WithSeverity(DiagnosticSeverity.Info).WithArguments("optimizer", ""));

    [Fact]
    public Task Accumulation_done_right_with_clipping_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        const int k = 4;
        for (int i = 0; i < steps; i++)
        {
            (nn.functional.mse_loss(model.call(x), y) / k).backward();
            if ((i + 1) % k == 0)
            {
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                optimizer.zero_grad();
            }
        }
        """));

    [Fact]
    public Task Step_without_visible_backward_is_not_reported() => Verify.VerifyAsync(Snippets.Loop("""
        optimizer.step();
        optimizer.zero_grad();
        """));

    [Fact]
    public Task Closure_step_is_not_reported() => Verify.VerifyAsync(Snippets.Loop("""
        var lbfgs = optim.LBFGS(model.parameters());
        for (int i = 0; i < steps; i++)
        {
            lbfgs.step(() =>
            {
                lbfgs.zero_grad();
                var loss = nn.functional.mse_loss(model.call(x), y);
                loss.backward();
                return loss;
            });
        }
        """));

    [Fact]
    public Task GAN_with_two_optimizers_is_tracked_per_optimizer() => Verify.VerifyAsync(
        Snippets.Usings + """
        public static class Gan
        {
            public static void Train(nn.Module<Tensor, Tensor> d, nn.Module<Tensor, Tensor> g, Tensor real, Tensor noise, int steps)
            {
                var optD = optim.Adam(d.parameters(), 2e-4);
                var optG = optim.Adam(g.parameters(), 2e-4);
                for (int i = 0; i < steps; i++)
                {
                    optD.zero_grad();
                    var lossD = d.call(real).mean() - d.call(g.call(noise).detach()).mean();
                    lossD.backward();
                    nn.utils.clip_grad_norm_(d.parameters(), 1.0);
                    optD.step();

                    optG.zero_grad();
                    var lossG = -d.call(g.call(noise)).mean();
                    lossG.backward();
                    {|CG0001:optG.step()|};
                }
            }
        }
        """);

    [Fact]
    public Task Scheduler_step_and_look_alike_methods_are_ignored() => Verify.VerifyAsync(Snippets.Loop("""
        var scheduler = optim.lr_scheduler.StepLR(optimizer, 10);
        var fake = new FakeOptimizer();
        for (int i = 0; i < steps; i++)
        {
            fake.backward();
            fake.step();
            scheduler.step();
        }
        """, members: """
        private sealed class FakeOptimizer { public void step() { } public void backward() { } public void zero_grad() { } }
        """));

    [Fact]
    public Task Evaluation_loop_under_no_grad_is_clean() => Verify.VerifyAsync(Snippets.Loop("""
        using (torch.no_grad())
        {
            for (int i = 0; i < steps; i++)
            {
                Console.WriteLine(nn.functional.mse_loss(model.call(x), y).item<float>());
            }
        }
        """));

    [Fact]
    public Task Lambdas_and_local_functions_are_analyzed() => Verify.VerifyAsync(Snippets.Loop("""
        Action train = () =>
        {
            optimizer.zero_grad();
            model.call(x).sum().backward();
            {|CG0001:optimizer.step()|};
        };
        void Local()
        {
            optimizer.zero_grad();
            model.call(x).sum().backward();
            {|CG0001:optimizer.step()|};
        }
        train();
        Local();
        """));

    [Fact]
    public Task Derived_optimizer_overriding_step_is_recognised() => Verify.VerifyAsync(Snippets.Loop("""
        var mine = new MyOptimizer(model.parameters());
        mine.zero_grad();
        model.call(x).sum().backward();
        {|CG0001:mine.step()|};
        """, members: """
        private sealed class MyOptimizer : TorchSharp.Modules.SGD
        {
            public MyOptimizer(IEnumerable<Parameter> p) : base(p, 0.1) { }
            public override Tensor step(Func<Tensor>? closure = null) => base.step(closure);
        }
        """));

    [Fact]
    public Task Top_level_statements_are_analyzed() => VerifyProgramAsync(Snippets.Usings + """
        var model = nn.Linear(4, 1);
        var optimizer = optim.SGD(model.parameters(), 0.1);
        for (int i = 0; i < 3; i++)
        {
            optimizer.zero_grad();
            model.call(torch.ones(2, 4)).sum().backward();
            {|CG0001:optimizer.step()|};
        }
        """);

    [Fact]
    public Task Half_typed_code_does_not_throw() => Verify.VerifyTolerantAsync(Snippets.Usings + """
        public class Broken
        {
            public void Train(Missing model)
            {
                var optimizer = optim.Adam(model.parameters(), );
                for (;;)
                {
                    optimizer.zero_grad(
                    model.call(x).backward();
                    optimizer.step(undefined);
                    nn.utils.clip_grad_norm_(, );
                    unknown.step();
                }
            }
        }
        """);

    [Fact]
    public Task A_loop_in_a_type_with_a_primary_constructor_is_reported_once() => Verify.VerifyAsync(Snippets.Usings + """
        public class Base(nn.Module<Tensor, Tensor> model) { protected nn.Module<Tensor, Tensor> Model => model; }
        public class Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer) : Base(model)
        {
            private readonly Tensor _x = torch.zeros(1);

            public void Train(Tensor x, Tensor y)
            {
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                {|CG0001:optimizer.step()|};
            }
        }

        """);

    [Fact]
    public Task Nothing_is_reported_without_TorchSharp()
    {
        var test = new CSharpAnalyzerVerifier<TrainingLoopAnalyzer>.Test(withClipGenRuntime: false)
        {
            TestCode = """
                public class Optimizer { public void step() { } public void backward() { } }
                public static class P { public static void M(Optimizer o) { o.backward(); o.step(); } }
                """,
        };
        test.TestState.AdditionalReferences.Remove(TestReferences.TorchSharp);
        return test.RunAsync();
    }

    private static Task VerifyProgramAsync(string source)
    {
        var test = new CSharpAnalyzerVerifier<TrainingLoopAnalyzer>.Test { TestCode = source };
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        return test.RunAsync();
    }
}
