using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ClipGen.Analyzers.Generator;

/// <summary>
/// Turns one attributed method into a <see cref="TrainStepModel"/>, or reports why it cannot
/// (CG1001–CG1005). Shared by the generator (which only keeps the model) and the usage analyzer
/// (which only keeps the diagnostics), so both always agree on what is valid.
/// </summary>
internal static class TrainStepParser
{
    /// <summary>Types as the generated code spells them: <c>global::</c>-qualified, nullable annotations kept.</summary>
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly string Version =
        typeof(TrainStepParser).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <summary>
    /// For the generator: the train step, or a throwing stub with the same signature when the method is
    /// misused in a way that leaves its declaration implementable (CG1003–CG1005); null when nothing should
    /// be emitted (CG1001/CG1002, whose compiler errors already say what is wrong, or a signature a
    /// generated part cannot repeat).
    /// </summary>
    public static TrainStepGeneration? Generate(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
    {
        TrainStepDiagnostics diagnostics = TrainStepDiagnostics.Silent();
        if (Parse(method, attribute, compilation, diagnostics, cancellationToken) is { } model)
        {
            return new TrainStepGeneration(model, null, default);
        }

        if (diagnostics.FirstId is { } declarationId && IsDeclarationDiagnostic(declarationId))
        {
            return new TrainStepGeneration(null, null, DeclarationDiagnostics(method, attribute, compilation, cancellationToken));
        }

        if (diagnostics.FirstId is not { } id || diagnostics.FirstMessage is not { } message ||
            !CanRepeatSignature(method) ||
            TorchSymbols.For(compilation) is not { } symbols ||
            attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } declaration)
        {
            return null;
        }

        INamedTypeSymbol type = method.ContainingType;
        return new TrainStepGeneration(null, new TrainStepStubModel(
            HintName: HintName(type, method.Name, OverloadIndex(method, symbols)),
            Namespace: NamespaceOf(type),
            ContainingTypes: ContainingTypes(type, NeedsUnsafeType(method, declaration)).ToEquatableArray(),
            Modifiers: Modifiers(declaration),
            ReturnType: (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : "") + ReturnType(method, compilation),
            MethodName: CSharpText.Identifier(method.Name),
            Parameters: Parameters(method, compilation).ToEquatableArray(),
            DiagnosticId: id,
            DiagnosticMessage: message,
            GeneratorVersion: Version), default);
    }

    /// <summary>
    /// CG1001 and CG1002: the method cannot be completed (it is not partial, has a body or an implementation, or a
    /// containing type is not partial), and most of these shapes are declaration errors for the compiler (CS0501,
    /// CS0751, CS0759, CS8795), after which csc runs no analyzer. So the generator reports them itself (generator
    /// diagnostics are always shown) and the usage analyzer leaves them out, so each is reported once.
    /// </summary>
    public static bool IsDeclarationDiagnostic(string id) =>
        id == Descriptors.CG1001_MethodNotPartial.Id || id == Descriptors.CG1002_TypeNotPartial.Id;

    /// <summary>The method's CG1001/CG1002 findings, as values (a second parse, on this rare path only).</summary>
    private static EquatableArray<TrainStepDiagnosticModel> DeclarationDiagnostics(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
    {
        var all = new List<TrainStepDiagnosticModel>();
        Parse(method, attribute, compilation, TrainStepDiagnostics.Recording(all), cancellationToken);
        return all.Where(d => IsDeclarationDiagnostic(d.Id)).ToEquatableArray();
    }

    /// <summary>
    /// Whether a generated part can declare the method's implementation. Not for generic methods (their
    /// constraints would have to be repeated; they are CG1004 anyway), <c>async</c> ones (the compiler
    /// already rejects a bodiless async declaration), interfaces, file-local types and methods outside a type.
    /// </summary>
    private static bool CanRepeatSignature(IMethodSymbol method)
    {
        if (method.IsGenericMethod || method.IsAsync || method.ContainingType is not { TypeKind: TypeKind.Class or TypeKind.Struct, IsImplicitlyDeclared: false })
        {
            return false;
        }

        for (INamedTypeSymbol? t = method.ContainingType; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                return false;
            }
        }

        return true;
    }

    public static TrainStepModel? Parse(
        IMethodSymbol method,
        AttributeData attribute,
        Compilation compilation,
        TrainStepDiagnostics diagnostics,
        CancellationToken cancellationToken)
    {
        if (TorchSymbols.For(compilation) is not { } symbols ||
            TrainStepAttributes.KindOf(attribute, symbols) is not { } kind ||
            attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } declaration)
        {
            return null;
        }

        string attributeName = TrainStepAttributes.ShortName(kind);
        Location location = declaration.Identifier.GetLocation();

        // Two clipping attributes of different kinds (the compiler allows that) would make the generator
        // add the same file twice (an ArgumentException, CS8785): generate nothing and say so once.
        AttributeData[] trainStepAttributes = method.GetAttributes()
            .Where(a => TrainStepAttributes.KindOf(a, symbols) is not null).ToArray();
        if (trainStepAttributes.Length > 1)
        {
            if (ReferenceEquals(trainStepAttributes[0], attribute))
            {
                diagnostics.Report(Descriptors.CG1004_UnsupportedSignature, location, method.Name,
                    "a train step takes one clipping attribute, not " + trainStepAttributes.Length);
            }

            return null;
        }

        CheckDeclaration(method, declaration, attributeName, location, diagnostics);
        CheckContainingTypes(declaration, method, attributeName, location, diagnostics);
        if (diagnostics.CanStop)
        {
            return null;
        }

        ReturnKind? returnKind = CheckSignature(method, declaration, symbols, location, diagnostics);
        TrainStepArguments? arguments = TrainStepArguments.Read(attribute, kind, diagnostics);
        if (arguments is null || returnKind is null || diagnostics.CanStop)
        {
            return null;
        }

        if (arguments.AccumulationSteps > 1 && method.ContainingType.IsReadOnly)
        {
            diagnostics.Report(Descriptors.CG1004_UnsupportedSignature, location, method.Name,
                "AccumulationSteps > 1 needs a mutable micro-batch counter, which a readonly struct cannot hold");
        }

        cancellationToken.ThrowIfCancellationRequested();
        INamedTypeSymbol type = method.ContainingType;
        var members = new TrainStepMembers(type, method.IsStatic, compilation);
        ISymbol? model = Resolve(members, arguments.Model, "Model", "torch.nn.Module", symbols.IsModel, type, location, diagnostics);
        ISymbol? optimizer = Resolve(members, arguments.Optimizer, "Optimizer", "torch.optim.Optimizer", symbols.IsOptimizer, type, location, diagnostics);
        ISymbol? loss = ResolveLoss(members, arguments.Loss, method, symbols, compilation, type, location, diagnostics);
        ISymbol? scheduler = arguments.Scheduler is { } schedulerName
            ? Resolve(members, schedulerName, "Scheduler", "torch.optim.lr_scheduler.LRScheduler", t => TorchSymbols.DerivesFrom(t, symbols.LrScheduler), type, location, diagnostics)
            : null;
        ISymbol? monitor = arguments.Monitor is { } monitorName
            ? Resolve(members, monitorName, "Monitor", "ClipGen.GradNormMonitor", IsMonitor(compilation), type, location, diagnostics)
            : null;
        if (model is null || optimizer is null || loss is null ||
            (arguments.Scheduler is not null && scheduler is null) || (arguments.Monitor is not null && monitor is null))
        {
            return null;
        }

        if (TorchSymbols.DerivesFrom(TrainStepMembers.TypeOf(optimizer), symbols.Lbfgs))
        {
            diagnostics.Report(Descriptors.CG1004_UnsupportedSignature, location, method.Name,
                $"the optimizer '{optimizer.Name}' is LBFGS, whose step() re-evaluates the loss through a closure; call it directly");
        }

        if (scheduler is not null && TorchSymbols.DerivesFrom(TrainStepMembers.TypeOf(scheduler),
                compilation.GetTypeByMetadataName("TorchSharp.torch+optim+lr_scheduler+impl+ReduceLROnPlateau")))
        {
            // Its step() throws: it needs the metric, which only the caller knows.
            diagnostics.Report(Descriptors.CG1004_UnsupportedSignature, location, method.Name,
                $"the scheduler '{scheduler.Name}' is ReduceLROnPlateau, which steps on a metric: call {scheduler.Name}.step(metric) yourself and drop Scheduler");
        }

        if (loss is not IMethodSymbol)
        {
            CheckCriterionSignature(method, model, loss, symbols, location, diagnostics);
        }

        if (diagnostics.Failed)
        {
            return null;
        }

        return Build(method, declaration, kind, arguments, returnKind.Value, new ResolvedMembers(model, optimizer, loss, scheduler, monitor), symbols, compilation);
    }

    /// <summary>
    /// Whether a member's type is the runtime's <c>GradNormMonitor</c> (looked up only for steps that name a
    /// monitor; sealed, so identity is the test).
    /// </summary>
    private static Func<ITypeSymbol, bool> IsMonitor(Compilation compilation)
    {
        INamedTypeSymbol? monitorType = compilation.GetTypeByMetadataName("ClipGen.GradNormMonitor");
        return t => monitorType is not null && SymbolEqualityComparer.Default.Equals(t, monitorType);
    }

    /// <summary>The members a train step uses; <see cref="Scheduler"/> and <see cref="Monitor"/> only when named.</summary>
    private sealed record ResolvedMembers(ISymbol Model, ISymbol Optimizer, ISymbol Loss, ISymbol? Scheduler, ISymbol? Monitor);

    private static void CheckDeclaration(IMethodSymbol method, MethodDeclarationSyntax declaration, string attributeName, Location location, TrainStepDiagnostics diagnostics)
    {
        string? problem =
            !declaration.Modifiers.Any(SyntaxKind.PartialKeyword) ? "is not declared 'partial'" :
            declaration.Body is not null || declaration.ExpressionBody is not null ? "already has a body" :
            method.PartialImplementationPart is { } implementation && !IsGeneratedByClipGen(implementation) ? "already has an implementation" :
            null;
        if (problem is not null)
        {
            diagnostics.Report(Descriptors.CG1001_MethodNotPartial, location, method.Name, attributeName, problem);
        }
    }

    /// <summary>Whether the implementation part is ours (the analyzer sees the generator's output in its compilation).</summary>
    private static bool IsGeneratedByClipGen(IMethodSymbol implementation) =>
        implementation.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == "System.CodeDom.Compiler.GeneratedCodeAttribute" &&
            a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value as string == "ClipGen");

    private static void CheckContainingTypes(MethodDeclarationSyntax declaration, IMethodSymbol method, string attributeName, Location location, TrainStepDiagnostics diagnostics)
    {
        foreach (TypeDeclarationSyntax type in declaration.Ancestors().OfType<TypeDeclarationSyntax>())
        {
            if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Report(Descriptors.CG1002_TypeNotPartial, location, type.Identifier.ValueText, attributeName, method.Name);
            }
        }
    }

    private static ReturnKind? CheckSignature(IMethodSymbol method, MethodDeclarationSyntax declaration, TorchSymbols symbols, Location location, TrainStepDiagnostics diagnostics)
    {
        void Unsupported(string why) => diagnostics.Report(Descriptors.CG1004_UnsupportedSignature, location, method.Name, why);

        if (method.IsGenericMethod)
        {
            Unsupported("generic train steps are not supported");
        }

        if (declaration.Modifiers.Any(SyntaxKind.AsyncKeyword))
        {
            Unsupported("a train step is synchronous; remove 'async'");
        }

        // A method outside any type (e.g. half-typed code that lost a brace) lands in the compiler's
        // implicit '<invalid-global-code>' class, whose name is not a valid hint name or type name.
        if (method.ContainingType.TypeKind is not (TypeKind.Class or TypeKind.Struct) || method.ContainingType.IsImplicitlyDeclared)
        {
            Unsupported("a train step must be declared in a class, struct or record");
        }

        for (INamedTypeSymbol? t = method.ContainingType; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                Unsupported("file-local types cannot be completed by a generated file; drop the 'file' modifier");
                break;
            }
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind is not (RefKind.None or RefKind.In))
            {
                Unsupported($"parameter '{parameter.Name}' is passed by '{parameter.RefKind.ToString().ToLowerInvariant()}'; train-step parameters are passed by value (or 'in')");
            }
        }

        ITypeSymbol returnType = method.ReturnType;
        ReturnKind? kind =
            method.ReturnsByRef || method.ReturnsByRefReadonly ? null :
            method.ReturnsVoid ? ReturnKind.Void :
            returnType.SpecialType == SpecialType.System_Single ? ReturnKind.Single :
            returnType.SpecialType == SpecialType.System_Double ? ReturnKind.Double :
            SymbolEqualityComparer.Default.Equals(returnType, symbols.Tensor) ? ReturnKind.Tensor :
            symbols.TrainStepResult is not null && SymbolEqualityComparer.Default.Equals(returnType, symbols.TrainStepResult) ? ReturnKind.TrainStepResult :
            null;
        if (kind is null)
        {
            Unsupported($"it returns '{returnType.ToDisplayString()}'; a train step returns void, Tensor (the loss), float or double (the loss value) or ClipGen.TrainStepResult");
        }

        return kind;
    }

    private static ISymbol? Resolve(
        TrainStepMembers members, string? name, string option, string kindName, Func<ITypeSymbol, bool> isKind,
        INamedTypeSymbol type, Location location, TrainStepDiagnostics diagnostics)
    {
        if (name is not null)
        {
            ISymbol? named = members.Named(name);
            if (named is null)
            {
                diagnostics.Report(Descriptors.CG1003_MemberNotFound, location,
                    $"{option} = \"{name}\": '{type.Name}' and its base types have no field or property named '{name}'{Candidates(members.OfKind(isKind), kindName)}");
                return null;
            }

            if (!isKind(TrainStepMembers.TypeOf(named)))
            {
                diagnostics.Report(Descriptors.CG1003_MemberNotFound, location,
                    $"{option} = \"{name}\": '{name}' is a '{TrainStepMembers.TypeOf(named).ToDisplayString()}', not a {kindName}{Candidates(members.OfKind(isKind), kindName)}");
                return null;
            }

            return named;
        }

        List<ISymbol> candidates = members.OfKind(isKind);
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        diagnostics.Report(Descriptors.CG1003_MemberNotFound, location, candidates.Count == 0
            ? $"No {kindName} field or property found in '{type.Name}' or its base types: add one, or name it with {option} = nameof(...)"
            : $"Several {kindName} fields or properties in '{type.Name}' ({List(candidates)}): name one with {option} = nameof(...)");
        return null;
    }

    private static ISymbol? ResolveLoss(
        TrainStepMembers members, string? name, IMethodSymbol method, TorchSymbols symbols, Compilation compilation,
        INamedTypeSymbol type, Location location, TrainStepDiagnostics diagnostics)
    {
        const string kindName = "TorchSharp loss";
        if (name is null)
        {
            return Resolve(members, null, "Loss", kindName, symbols.IsLoss, type, location, diagnostics);
        }

        if (members.Named(name) is not null)
        {
            return Resolve(members, name, "Loss", kindName, symbols.IsLoss, type, location, diagnostics);
        }

        List<IMethodSymbol> methods = members.LossMethods(name, method, symbols, compilation);
        if (methods.Count == 1)
        {
            return methods[0];
        }

        string parameters = string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString()));
        diagnostics.Report(Descriptors.CG1003_MemberNotFound, location,
            $"Loss = \"{name}\": '{type.Name}' has no {kindName} field or property named '{name}' and no{(method.IsStatic ? " static" : "")} method '{name}({parameters})' returning Tensor{Candidates(members.OfKind(symbols.IsLoss), kindName)}");
        return null;
    }

    /// <summary>Form 1: <c>criterion.call(model.call(inputs...), target)</c> must type-check.</summary>
    private static void CheckCriterionSignature(IMethodSymbol method, ISymbol model, ISymbol criterion, TorchSymbols symbols, Location location, TrainStepDiagnostics diagnostics)
    {
        INamedTypeSymbol? module = symbols.GenericModuleBase(TrainStepMembers.TypeOf(model));
        INamedTypeSymbol? loss = symbols.LossBase(TrainStepMembers.TypeOf(criterion));
        ImmutableArray<IParameterSymbol> parameters = method.Parameters;
        string? problem = null;
        if (module is null)
        {
            problem = $"the model '{model.Name}' has no typed call(...) (it is not a Module<..., TResult>); compute the loss in a method named with Loss = nameof(...)";
        }
        else if (loss is null)
        {
            problem = $"the loss '{criterion.Name}' is not a two-input Loss<TInput, TTarget, Tensor>; compute the loss in a method named with Loss = nameof(...)";
        }
        else
        {
            ImmutableArray<ITypeSymbol> inputs = module.TypeArguments.RemoveAt(module.TypeArguments.Length - 1);
            bool matches = parameters.Length == inputs.Length + 1;
            for (int i = 0; matches && i < inputs.Length; i++)
            {
                matches = SymbolEqualityComparer.Default.Equals(parameters[i].Type, inputs[i]);
            }

            matches = matches &&
                SymbolEqualityComparer.Default.Equals(loss.TypeArguments[0], module.TypeArguments[inputs.Length]) &&
                SymbolEqualityComparer.Default.Equals(loss.TypeArguments[1], parameters[parameters.Length - 1].Type) &&
                SymbolEqualityComparer.Default.Equals(loss.TypeArguments[2], symbols.Tensor);
            if (!matches)
            {
                string expected = string.Join(", ", inputs.Select(t => t.ToDisplayString()).Concat(new[] { loss.TypeArguments[1].ToDisplayString() }));
                problem = $"with a loss module the parameters are the model's inputs then the target ({expected}), and the loss's input is the model's output";
            }
        }

        if (problem is not null)
        {
            diagnostics.Report(Descriptors.CG1004_UnsupportedSignature, location, method.Name, problem);
        }
    }

    private static TrainStepModel Build(
        IMethodSymbol method, MethodDeclarationSyntax declaration, ClipKind kind, TrainStepArguments arguments, ReturnKind returnKind,
        ResolvedMembers members, TorchSymbols symbols, Compilation compilation)
    {
        INamedTypeSymbol type = method.ContainingType;
        var reserved = new List<string>(method.Parameters.Select(p => p.Name));
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            reserved.AddRange(t.TypeParameters.Select(p => p.Name));
        }

        int overload = OverloadIndex(method, symbols);
        string GeneratedField(string prefix)
        {
            string name = prefix + method.Name + (overload > 0 ? "_" + (overload + 1).ToString(CultureInfo.InvariantCulture) : "");
            while (TrainStepMembers.IsNameTaken(type, name) || reserved.Contains(name))
            {
                name += "_";
            }

            return name;
        }

        string? counter = arguments.AccumulationSteps > 1 ? GeneratedField("__clipGenMicroBatches_") : null;

        // The buffer is created on first use, so it needs an assignable field of the trainer. A struct's instance step
        // clips tensor by tensor instead (documented with FlatGradients): a readonly struct or member cannot assign
        // it, each copy of a struct would attach its own buffer, and an instance field in a second part of a partial
        // struct is warning CS0282 (no defined field order).
        string? gradients = arguments.FlatGradients && (type.TypeKind == TypeKind.Class || method.IsStatic)
            ? GeneratedField("__clipGenGradients_")
            : null;

        return new TrainStepModel(
            HintName: HintName(type, method.Name, overload),
            Namespace: NamespaceOf(type),
            ContainingTypes: ContainingTypes(type, NeedsUnsafeType(method, declaration)).ToEquatableArray(),
            Modifiers: Modifiers(declaration),
            ReturnType: ReturnType(method, compilation),
            ReturnKind: returnKind,
            MethodName: CSharpText.Identifier(method.Name),
            Parameters: Parameters(method, compilation).ToEquatableArray(),
            IsStatic: method.IsStatic,
            ModelAccess: Access(members.Model),
            OptimizerAccess: Access(members.Optimizer),
            LossKind: members.Loss is IMethodSymbol ? LossKind.Method : LossKind.Criterion,
            LossAccess: Access(members.Loss),
            SchedulerAccess: members.Scheduler is { } scheduler ? Access(scheduler) : null,
            MonitorAccess: members.Monitor is { } monitor ? Access(monitor) : null,
            ClipKind: kind,
            ClipArguments: arguments.Thresholds.Select(CSharpText.DoubleLiteral).ToEquatableArray(),
            NonFinitePolicy: arguments.NonFinite switch { 1 => "Throw", 2 => "SkipStep", _ => "Propagate" },
            AccumulationSteps: arguments.AccumulationSteps,
            CounterField: counter,
            GradientsField: gradients,
            ReservedNames: reserved.ToEquatableArray(),
            GeneratorVersion: Version);
    }

    private static string? NamespaceOf(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null;

    /// <param name="unsafeInnermost">Whether the generated part of the method's own type must be <c>unsafe</c>.</param>
    private static List<ContainingTypeModel> ContainingTypes(INamedTypeSymbol type, bool unsafeInnermost)
    {
        var containingTypes = new List<ContainingTypeModel>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            containingTypes.Insert(0, new ContainingTypeModel(Keyword(t), NameWithTypeParameters(t), unsafeInnermost && ReferenceEquals(t, type)));
        }

        return containingTypes;
    }

    /// <summary>
    /// Whether the signature has pointer types but the method is not itself <c>unsafe</c>: the user's type
    /// declaration then supplies the unsafe context, which does not extend to the generated part of the type.
    /// </summary>
    private static bool NeedsUnsafeType(IMethodSymbol method, MethodDeclarationSyntax declaration) =>
        !declaration.Modifiers.Any(SyntaxKind.UnsafeKeyword) &&
        (HasPointer(method.ReturnType) || method.Parameters.Any(p => HasPointer(p.Type)));

    private static bool HasPointer(ITypeSymbol type) => type switch
    {
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => true,
        IArrayTypeSymbol array => HasPointer(array.ElementType),
        INamedTypeSymbol named => named.TypeArguments.Any(HasPointer),
        _ => false,
    };

    private static string Modifiers(MethodDeclarationSyntax declaration) =>
        string.Join(" ", declaration.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));

    private static string ReturnType(IMethodSymbol method, Compilation compilation) =>
        method.ReturnsVoid ? "void" : TypeDisplayCache.Display(method.ReturnType, TypeFormat, compilation);

    /// <summary>Each parameter as the implementation part must repeat it: modifiers, type with annotations, name (no default value).</summary>
    private static IEnumerable<ParameterModel> Parameters(IMethodSymbol method, Compilation compilation) =>
        method.Parameters.Select(p => new ParameterModel(
            ParameterModifier(method, p),
            TypeDisplayCache.Display(p.Type, TypeFormat, compilation),
            CSharpText.Identifier(p.Name)));

    private static string ParameterModifier(IMethodSymbol method, IParameterSymbol parameter)
    {
        string modifier =
            (parameter.Ordinal == 0 && method.IsExtensionMethod ? "this " : "") +
            (parameter.ScopedKind == ScopedKind.ScopedRef && parameter.RefKind != RefKind.Out ? "scoped " : "") +
            (parameter.ScopedKind == ScopedKind.ScopedValue ? "scoped " : "") +
            parameter.RefKind switch
            {
                RefKind.Ref => "ref ",
                RefKind.Out => "out ",
                RefKind.In => "in ",
                RefKind.RefReadOnlyParameter => "ref readonly ",
                _ => "",
            };
        return modifier + (parameter.IsParams ? "params " : "");
    }

    /// <summary><c>this.name</c> for instance members (never captured by a generated local), the qualified type for static ones.</summary>
    private static string Access(ISymbol member) =>
        (member.IsStatic ? member.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) : "this") + "." + CSharpText.Identifier(member.Name);

    private static string Keyword(INamedTypeSymbol type) =>
        type.IsRecord ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record") :
        type.TypeKind == TypeKind.Struct ? "struct" :
        type.TypeKind == TypeKind.Interface ? "interface" :
        "class";

    private static string NameWithTypeParameters(INamedTypeSymbol type) =>
        type.TypeParameters.IsEmpty
            ? CSharpText.Identifier(type.Name)
            : CSharpText.Identifier(type.Name) + "<" + string.Join(", ", type.TypeParameters.Select(p => CSharpText.Identifier(p.Name))) + ">";

    /// <summary>Which of the same-named train steps this is, so overloads get distinct files and counters.</summary>
    private static int OverloadIndex(IMethodSymbol method, TorchSymbols symbols)
    {
        int index = 0;
        foreach (IMethodSymbol other in method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>())
        {
            if (SymbolEqualityComparer.Default.Equals(other, method))
            {
                return index;
            }

            if (other.GetAttributes().Any(a => TrainStepAttributes.KindOf(a, symbols) is not null))
            {
                index++;
            }
        }

        return index;
    }

    /// <summary><c>Ns.Outer+Inner`1.Method.g.cs</c>: namespaces and nesting stay distinct, only hint-name-safe characters.</summary>
    private static string HintName(INamedTypeSymbol type, string method, int overload)
    {
        var builder = new StringBuilder();
        var chain = new Stack<INamedTypeSymbol>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            chain.Push(t);
        }

        if (type.ContainingNamespace is { IsGlobalNamespace: false } ns)
        {
            builder.Append(ns.ToDisplayString()).Append('.');
        }

        builder.Append(string.Join("+", chain.Select(t => t.MetadataName)));
        builder.Append('.').Append(method);
        if (overload > 0)
        {
            builder.Append('_').Append(overload + 1);
        }

        return builder.Append(".g.cs").ToString();
    }



    private static string List(IEnumerable<ISymbol> members) => string.Join(", ", members.Select(m => "'" + m.Name + "'"));

    private static string Candidates(List<ISymbol> candidates, string kindName) =>
        candidates.Count == 0 ? "" : $" (the {kindName} candidates are {List(candidates)})";
}
