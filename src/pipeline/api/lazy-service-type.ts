/**
 * A ServiceType whose implementation module is imported only when a pipeline uses it: the registry, and every
 * command that reads it (verify, inspect, index, cleanup), then load no more than the type's option spec. The
 * ServiceManager awaits `load` for each configured service type before its preflight and before `create`.
 */
import type { ObjectSpec, OptionsOf } from '../../config/field-spec.js';
import type { PreflightIssue, ServiceType } from './component-type.js';
import type { AbstractService, ServiceContext } from './service.js';

export interface LazyServiceTypeDefinition<S extends ObjectSpec, M> {
  readonly className: string;
  readonly description: string;
  readonly options: S;
  readonly ports: ServiceType<S>['ports'];
  /** Imports the implementation module (once: the module system caches it). */
  load(): Promise<M>;
  /** The loaded module's preflight, if the type has one. */
  preflight?(module: M, options: OptionsOf<S>, serviceName: string): readonly PreflightIssue[];
  create(module: M, context: ServiceContext<OptionsOf<S>>): AbstractService<OptionsOf<S>>;
}

export function lazyServiceType<S extends ObjectSpec, M>(def: LazyServiceTypeDefinition<S, M>): ServiceType<S> {
  let loaded: M | undefined;
  const module = (): M => {
    if (loaded === undefined)
      throw new Error(`service type ${def.className}: its implementation is not loaded (await type.load() first)`);
    return loaded;
  };
  const preflight = def.preflight;
  return {
    className: def.className,
    description: def.description,
    options: def.options,
    ports: def.ports,
    async load(): Promise<void> {
      loaded ??= await def.load();
    },
    ...(preflight ? { preflight: (options, serviceName) => preflight(module(), options, serviceName) } : {}),
    create: (context) => def.create(module(), context),
  };
}
